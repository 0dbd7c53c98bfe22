/**
 * The organisation's properties: its current default region, the one source every room reads it from (emulator.ts
 * hands {@link PropertiesStore.defaultRegion} to each room as a `() => string`). It starts at the `defaultRegion` option
 * and changes with `PATCH /properties` or `emulator.setDefaultRegion()`; what was created before keeps its region.
 *
 * No I/O and no rules of its own: a `PATCH` body is checked (rules.ts) before it reaches the store.
 */
import type { Region } from "../options";
import type { PropertiesPatch } from "./rules";

/** Settings the store needs, already validated (the initial region is one of `regions`). @internal */
export interface PropertiesConfig {
    readonly regions: readonly Region[];
    /** The initial default region (the `defaultRegion` option). */
    readonly defaultRegion: string;
}

/** The properties as read at one moment, for the views. @internal */
export interface PropertiesReading {
    readonly defaultRegion: string;
    /** The organisation's region codes, in `GET /regions` order. */
    readonly availableRegions: readonly string[];
}

/** @internal */
export class PropertiesStore {
    private current: string;

    constructor(private readonly config: PropertiesConfig) {
        this.current = config.defaultRegion;
    }

    /** The current default region: where a set, agent, upload or build created without a region goes. */
    readonly defaultRegion = (): string => this.current;

    /** The organisation's region codes, in `GET /regions` order: the values `defaultRegion` may take. */
    availableRegions(): readonly string[] {
        return this.config.regions.map((r) => r.code);
    }

    /** `GET /properties`, `GET /properties/schema`. */
    read(): PropertiesReading {
        return { defaultRegion: this.current, availableRegions: this.availableRegions() };
    }

    /** `PATCH /properties` with a checked body (see `parsePatchBody`): applies it and reads the result. */
    patch(patch: PropertiesPatch): PropertiesReading {
        this.current = patch.defaultRegion;
        return this.read();
    }

    /** `emulator.setDefaultRegion()`: a change in the dashboard. Throws `TypeError` on a region the organisation lacks. */
    setDirect(code: string): void {
        const available = this.availableRegions();
        if (typeof code !== "string" || !available.includes(code)) {
            throw new TypeError(`setDefaultRegion('${String(code)}'): not one of the emulator's regions (${available.join(", ")})`);
        }
        this.current = code;
    }
}
