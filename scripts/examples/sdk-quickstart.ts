// npm run example:sdk
import { sdkQuickstart } from "./sdkQuickstart.js";

console.log(await sdkQuickstart());
