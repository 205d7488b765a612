/** 1e18: the fixed-point scale of every price, size, ratio and USD amount (docs/units.md). */
export const WAD = 10n ** 18n;

/** Seconds in a day: funding rates are per day, elapsed times in seconds. */
export const SECONDS_PER_DAY = 86_400n;

/** 1e8 WAD wei = 1e-10 USD: the tick in which a position stores its entry price and funding index entry. */
export const PRICE_TICK = 10n ** 8n;
