/**
 * The properties room's door: what the composition root (emulator.ts) wires and the public entry re-exports; both
 * import the room only through it. Exports tagged internal are left out of the published declarations.
 */
/** @internal */
export { handleProperties } from "./handlers";
/** @internal */
export { PropertiesStore } from "./store";
