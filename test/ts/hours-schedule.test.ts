import { expect } from "chai";
import { parseUnits } from "viem";
import {
  closedWithin,
  DEFAULT_MARKET_SCHEDULES,
  isMarketOpen,
  type MarketSchedule,
  MarketScheduleError,
  marketHoursParams,
  marketScheduleFromChain,
  marketStatus,
  roundUsableAt,
  secondOfWeek,
  validateSchedule,
} from "../../src/hours/index.js";

/** Unix seconds of a UTC date and time. */
const utc = (y: number, mo: number, d: number, h = 0, mi = 0) => BigInt(Date.UTC(y, mo - 1, d, h, mi) / 1000);
const SPX = DEFAULT_MARKET_SCHEDULES.SPX;
const XAU = DEFAULT_MARKET_SCHEDULES.XAU;
const EUR = DEFAULT_MARKET_SCHEDULES.EURUSD;
const MM = parseUnits("0.05", 18);
const IM = parseUnits("0.1", 18);

describe("market hours: marketStatus", () => {
  it("seconds of week: 0 is Sunday 00:00 UTC (the epoch, a Thursday, is 4 days in)", () => {
    expect(secondOfWeek(0n)).to.equal(345_600n);
    expect(secondOfWeek(utc(2026, 12, 6))).to.equal(0n); // Sunday 2026-12-06
    expect(secondOfWeek(utc(2026, 12, 5, 23, 59) + 59n)).to.equal(604_799n); // Saturday 23:59:59
  });

  it("no schedule: always open, no close ahead, the market's own margin", () => {
    const s = marketStatus(undefined, utc(2026, 12, 5));
    expect(s.status).to.equal("open");
    expect(s.nextClose).to.equal(undefined);
    expect(s.maintenanceMarginRatio({ maintenanceMarginRatio: MM })).to.equal(MM);
  });

  it("SPX through a Friday close, the weekend and the Monday reopen", () => {
    // Friday 2026-12-04 19:00 UTC: two hours before the 21:00 close (the window is one hour).
    const fri = marketStatus(SPX, utc(2026, 12, 4, 19));
    expect(fri.status).to.equal("open");
    expect(fri.nextClose).to.equal(utc(2026, 12, 4, 21));
    expect(fri.lastOpen).to.equal(utc(2026, 12, 4, 14, 30));
    expect(fri.maintenanceMarginRatio({ maintenanceMarginRatio: MM })).to.equal(MM);
    // 20:00 exactly: nextClose − t = 3600 ≤ window → closing; the closing margin 16 % is in force.
    const closing = marketStatus(SPX, utc(2026, 12, 4, 20));
    expect(closing.status).to.equal("closing");
    expect(closing.maintenanceMarginRatio({ maintenanceMarginRatio: MM })).to.equal(parseUnits("0.16", 18));
    expect(closing.increaseMarginRatio({ initialMarginRatio: IM, maintenanceMarginRatio: MM })).to.equal(
      parseUnits("0.16", 18),
    );
    expect(marketStatus(SPX, utc(2026, 12, 4, 19, 59)).status).to.equal("open");
    // 21:00: closed (the session is [open, close)); next open Monday 14:30; the closing margin stays in force.
    const closed = marketStatus(SPX, utc(2026, 12, 4, 21));
    expect(closed.status).to.equal("closed");
    expect(closed.open).to.equal(false);
    expect(closed.nextOpen).to.equal(utc(2026, 12, 7, 14, 30));
    expect(closed.maintenanceMarginRatio({ maintenanceMarginRatio: MM })).to.equal(parseUnits("0.16", 18));
    expect(marketStatus(SPX, utc(2026, 12, 6, 12)).nextOpen).to.equal(utc(2026, 12, 7, 14, 30));
    // Monday 14:32: reopening for 300 s after 14:30, normal margin; 14:35 exactly: open.
    const reopening = marketStatus(SPX, utc(2026, 12, 7, 14, 32));
    expect(reopening.status).to.equal("reopening");
    expect(reopening.lastOpen).to.equal(utc(2026, 12, 7, 14, 30));
    expect(reopening.maintenanceMarginRatio({ maintenanceMarginRatio: MM })).to.equal(MM);
    expect(marketStatus(SPX, utc(2026, 12, 7, 14, 35)).status).to.equal("open");
    // A weekday night is closed too (US equities close daily).
    expect(marketStatus(SPX, utc(2026, 12, 8, 3)).nextOpen).to.equal(utc(2026, 12, 8, 14, 30));
  });

  it("closures: an early close moves nextClose; a holiday is skipped by nextOpen; a closure's end is a reopen", () => {
    const withClosures: MarketSchedule = {
      ...SPX,
      closures: [
        // Day after Thanksgiving 2026 (Friday 27 Nov): early close at 13:00 ET = 18:00 UTC.
        { start: utc(2026, 11, 27, 18), end: utc(2026, 11, 28) },
        // Christmas Day 2026 (Friday).
        { start: utc(2026, 12, 25), end: utc(2026, 12, 26) },
        // A halt inside Monday 7 Dec's session, 15:00–16:00 UTC.
        { start: utc(2026, 12, 7, 15), end: utc(2026, 12, 7, 16) },
      ],
    };
    validateSchedule(withClosures);
    const early = marketStatus(withClosures, utc(2026, 11, 27, 17, 30));
    expect(early.status).to.equal("closing");
    expect(early.nextClose).to.equal(utc(2026, 11, 27, 18));
    expect(isMarketOpen(withClosures, utc(2026, 11, 27, 18))).to.equal(false);
    // Thursday 24 Dec 22:00: Friday is a holiday, so the next open is Monday 28 Dec 14:30.
    expect(marketStatus(withClosures, utc(2026, 12, 24, 22)).nextOpen).to.equal(utc(2026, 12, 28, 14, 30));
    // Inside the halt: closed until 16:00; at 16:02 reopening from 16:00; at 14:45 the halt is the next close.
    expect(marketStatus(withClosures, utc(2026, 12, 7, 15, 30)).nextOpen).to.equal(utc(2026, 12, 7, 16));
    const afterHalt = marketStatus(withClosures, utc(2026, 12, 7, 16, 2));
    expect(afterHalt.status).to.equal("reopening");
    expect(afterHalt.lastOpen).to.equal(utc(2026, 12, 7, 16));
    expect(marketStatus(withClosures, utc(2026, 12, 7, 14, 45)).nextClose).to.equal(utc(2026, 12, 7, 15));
  });

  it("sessions joined across the week boundary are one stretch, in both directions", () => {
    // Saturday 06:00 → next Friday 00:00 (closed Friday 00:00 – Saturday 06:00).
    const joined: MarketSchedule = {
      ...EUR,
      sessions: [
        { openMinute: 0, closeMinute: 7200 },
        { openMinute: 9000, closeMinute: 10_080 },
      ],
    };
    validateSchedule(joined);
    const sat = marketStatus(joined, utc(2026, 12, 5, 12));
    expect(sat.nextClose).to.equal(utc(2026, 12, 11)); // Friday 11 Dec 00:00
    expect(sat.lastOpen).to.equal(utc(2026, 12, 5, 6));
    const sun = marketStatus(joined, utc(2026, 12, 6, 1));
    expect(sun.lastOpen).to.equal(utc(2026, 12, 5, 6));
    expect(sun.nextClose).to.equal(utc(2026, 12, 11));
    // A single session covering the whole week is refused by the setter (no schedule is needed); the maths, as the
    // contract's, then ends and restarts its stretch at every Sunday 00:00.
    const always: MarketSchedule = { ...EUR, sessions: [{ openMinute: 0, closeMinute: 10_080 }] };
    expect(() => validateSchedule(always)).to.throw(MarketScheduleError, /whole week/);
    expect(marketStatus(always, utc(2026, 12, 8)).nextClose).to.equal(utc(2026, 12, 13));
  });

  it("the closing window and the reopen delay are two flags, as on chain: the closing margin follows the first", () => {
    // A halt at Monday 14:31, a minute after the open: at 14:30:30 both flags are set.
    const tight: MarketSchedule = {
      ...SPX,
      closures: [{ start: utc(2026, 12, 7, 14, 31), end: utc(2026, 12, 7, 15) }],
    };
    const r = marketStatus(tight, utc(2026, 12, 7, 14, 30) + 30n);
    expect([r.status, r.inReopenDelay, r.inClosingWindow]).to.deep.equal(["reopening", true, true]);
    expect(r.tradableAt).to.equal(utc(2026, 12, 7, 14, 35));
    expect(r.maintenanceMarginRatio({ maintenanceMarginRatio: MM })).to.equal(parseUnits("0.16", 18));
    // An ordinary reopen: the delay only, the market's own margin.
    const monday = marketStatus(SPX, utc(2026, 12, 7, 14, 31));
    expect([monday.inReopenDelay, monday.inClosingWindow]).to.deep.equal([true, false]);
    expect(monday.maintenanceMarginRatio({ maintenanceMarginRatio: MM })).to.equal(MM);
  });

  it("gold's daily break and FX's weekend", () => {
    // Tuesday 8 Dec 22:30 UTC: in the 22:00–23:00 break.
    expect(marketStatus(XAU, utc(2026, 12, 8, 22, 30)).nextOpen).to.equal(utc(2026, 12, 8, 23));
    expect(marketStatus(XAU, utc(2026, 12, 8, 21, 30)).status).to.equal("closing");
    // FX: Friday 22:00 UTC to Sunday 22:00 UTC closed; no daily close during the week.
    expect(marketStatus(EUR, utc(2026, 12, 8, 22, 30)).nextClose).to.equal(utc(2026, 12, 11, 22));
    expect(marketStatus(EUR, utc(2026, 12, 12, 10)).nextOpen).to.equal(utc(2026, 12, 13, 22));
    expect(closedWithin(EUR, utc(2026, 12, 8, 12), utc(2026, 12, 9, 12))).to.equal(false);
    expect(closedWithin(EUR, utc(2026, 12, 11, 12), utc(2026, 12, 14, 12))).to.equal(true);
    expect(closedWithin(SPX, utc(2026, 12, 8, 12), utc(2026, 12, 9, 12))).to.equal(true);
  });
});

describe("market hours: marketStatus against a brute-force scan of open()", () => {
  // Every boundary of these schedules is on a whole minute, so scanning minute by minute finds the exact times.
  const MIN = 60n;
  const floorMinute = (t: bigint) => t - (t % MIN);
  const ceilMinute = (t: bigint) => floorMinute(t + MIN - 1n);
  const withClosures: MarketSchedule = {
    ...SPX,
    closures: [
      { start: utc(2026, 12, 9, 15), end: utc(2026, 12, 10, 16) },
      { start: utc(2026, 12, 25), end: utc(2026, 12, 26) },
    ],
  };
  const cases: [string, MarketSchedule][] = [
    ["SPX", SPX],
    ["XAU", XAU],
    ["EURUSD", EUR],
    ["SPX with closures", withClosures],
  ];
  for (const [name, schedule] of cases) {
    it(`${name}: nextOpen, nextClose, lastOpen and status at 200 pseudo-random times`, () => {
      let seed = 12_345n;
      const start = utc(2026, 12, 1);
      for (let k = 0; k < 200; k++) {
        seed = (seed * 6_364_136_223_846_793_005n + 1_442_695_040_888_963_407n) % 2n ** 64n;
        const t = start + (seed % (28n * 86_400n));
        const r = marketStatus(schedule, t);
        const open = (x: bigint) => isMarketOpen(schedule, x);
        expect(r.open, `open at ${t}`).to.equal(open(t));
        if (!r.open) {
          let m = ceilMinute(t);
          while (!open(m)) m += MIN;
          expect(r.nextOpen, `nextOpen at ${t}`).to.equal(m);
          continue;
        }
        let c = ceilMinute(t + 1n);
        while (open(c)) c += MIN;
        expect(r.nextClose, `nextClose at ${t}`).to.equal(c);
        let b = floorMinute(t);
        while (open(b - 1n)) b -= MIN;
        expect(r.lastOpen, `lastOpen at ${t}`).to.equal(b);
        const expected =
          t < b + schedule.reopenDelaySeconds
            ? "reopening"
            : c - t <= schedule.closingWindowSeconds
              ? "closing"
              : "open";
        expect(r.status, `status at ${t}`).to.equal(expected);
      }
    });
  }
});

describe("market hours: the adapter's MarketHoursParams", () => {
  it("round trip of the SPX schedule through setMarketHours' argument and marketHours' result", () => {
    const withHoliday: MarketSchedule = { ...SPX, closures: [{ start: utc(2026, 12, 25), end: utc(2026, 12, 26) }] };
    const params = marketHoursParams(withHoliday);
    expect(params.sessions[0]).to.deep.equal({ openMinute: 2310, closeMinute: 2700 });
    expect(params.closures).to.deep.equal([{ start: 1_798_156_800, end: 1_798_243_200 }]);
    expect([params.closingWindowSeconds, params.reopenDelaySeconds]).to.deep.equal([3600, 300]);
    expect(marketScheduleFromChain(params, SPX.closingMaintenanceMarginRatio)).to.deep.equal(withHoliday);
    expect(() => marketHoursParams({ ...SPX, reopenDelaySeconds: 7200n })).to.throw(MarketScheduleError);
  });
});

describe("market hours: roundUsableAt", () => {
  it("at the Monday reopen only a round from Monday's session is usable; Friday's is not; none while closed", () => {
    const mon = utc(2026, 12, 7, 14, 31);
    expect(roundUsableAt(SPX, mon, utc(2026, 12, 4, 20, 59))).to.equal(false);
    expect(roundUsableAt(SPX, mon, utc(2026, 12, 7, 14, 30))).to.equal(true);
    expect(roundUsableAt(SPX, utc(2026, 12, 5, 12), utc(2026, 12, 5, 12))).to.equal(false);
    expect(roundUsableAt(undefined, mon, 0n)).to.equal(true);
  });
});

describe("market hours: validateSchedule", () => {
  const refused = (schedule: MarketSchedule, field: string) => {
    try {
      validateSchedule(schedule);
    } catch (e) {
      expect(e).to.be.instanceOf(MarketScheduleError);
      expect((e as MarketScheduleError).field).to.equal(field);
      expect((e as MarketScheduleError).code).to.equal("INVALID_INPUT");
      return (e as MarketScheduleError).message;
    }
    throw new Error(`accepted a schedule with a bad ${field}`);
  };

  it("accepts the shipped schedules", () => {
    for (const s of Object.values(DEFAULT_MARKET_SCHEDULES)) validateSchedule(s);
  });

  it("names the field and the fix for each bound", () => {
    expect(refused({ ...SPX, sessions: [] }, "sessions")).to.match(/1 to 8/);
    expect(refused({ ...SPX, sessions: Array(9).fill({ openMinute: 0, closeMinute: 1 }) }, "sessions")).to.match(
      /1 to 8/,
    );
    expect(refused({ ...SPX, sessions: [{ openMinute: 10, closeMinute: 10 }] }, "sessions[0]")).to.match(
      /opens before it closes/,
    );
    expect(refused({ ...SPX, sessions: [{ openMinute: 0, closeMinute: 10_081 }] }, "sessions[0].closeMinute")).to.match(
      /10080/,
    );
    expect(refused({ ...SPX, sessions: [{ openMinute: 0.5, closeMinute: 10 }] }, "sessions[0].openMinute")).to.match(
      /whole numbers/,
    );
    const touching = [
      { openMinute: 0, closeMinute: 100 },
      { openMinute: 100, closeMinute: 200 },
    ];
    expect(refused({ ...SPX, sessions: touching }, "sessions[1].openMinute")).to.match(/touches.*merge/);
    const unsorted = [
      { openMinute: 500, closeMinute: 600 },
      { openMinute: 100, closeMinute: 200 },
    ];
    expect(refused({ ...SPX, sessions: unsorted }, "sessions[1].openMinute")).to.match(/sort/);
    const c = { start: 10n, end: 20n };
    expect(refused({ ...SPX, closures: [c, c, c, c] }, "closures")).to.match(/at most 3/);
    expect(refused({ ...SPX, closures: [{ start: 20n, end: 20n }] }, "closures[0]")).to.match(/start < end/);
    expect(refused({ ...SPX, closures: [{ start: 0n, end: 2n ** 32n }] }, "closures[0].end")).to.match(/uint32/);
    expect(refused({ ...SPX, closures: [{ start: 0n, end: 14n * 86_400n + 1n }] }, "closures[0]")).to.match(/14 days/);
    expect(refused({ ...SPX, closingWindowSeconds: -1n }, "closingWindowSeconds")).to.match(/\[0, 86400\]/);
    expect(refused({ ...SPX, closingWindowSeconds: 86_401n }, "closingWindowSeconds")).to.match(/\[0, 86400\]/);
    expect(refused({ ...SPX, reopenDelaySeconds: 3_601n }, "reopenDelaySeconds")).to.match(/\[0, 3600\]/);
    expect(
      refused({ ...SPX, closingMaintenanceMarginRatio: parseUnits("0.51", 18) }, "closingMaintenanceMarginRatio"),
    ).to.match(/\[0, 0\.5\]/);
    expect(() =>
      validateSchedule(
        { ...SPX, closingMaintenanceMarginRatio: parseUnits("0.04", 18) },
        { maintenanceMarginRatio: MM },
      ),
    ).to.throw(MarketScheduleError, /below the market's maintenance/);
    validateSchedule({ ...SPX, closingMaintenanceMarginRatio: 0n }, { maintenanceMarginRatio: MM });
    expect(
      refused({ ...SPX, closingMaintenanceMarginRatio: 10n ** 12n + 1n }, "closingMaintenanceMarginRatio"),
    ).to.match(/whole ppm/);
  });
});
