// Capability panels. A capability adds web/src/panels/<name>.js, exporting a panel object
//   { tab: "quota", label: { zh: "占补平衡", en: "Farmland quota" },
//     route: "/quota/balance",            // shown only when the API offers this route
//     render: async (el, ctx) => {...} }  // ctx: { map, lang, t, getJSON, request }
// and one import plus one entry below. The tab appears after the built-in tabs.
import { carbonPanel } from "./panels/carbon.js";
import { hazardsPanel } from "./panels/hazards.js";
import { panel as mining } from "./panels/mining.js";
import { quotaPanel } from "./panels/quota.js";
import { registryPanel } from "./panels/registry.js";

export const PANELS = [
  carbonPanel,
  hazardsPanel,
  mining,
  quotaPanel,
  registryPanel,
];
