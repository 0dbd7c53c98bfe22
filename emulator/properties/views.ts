/**
 * The properties API's answer bodies, rendered from the properties as the store read them. Pure functions.
 */
import { DEFAULT_REGION_DESCRIPTION, SCHEMA_DEFAULT_REGION } from "./rules";
import type { PropertiesReading } from "./store";

/** One property in the schema map, with the fields (and in the order) of the docs' example. */
export interface PropertySchemaView {
    readonly description: string;
    readonly type: "string";
    readonly readOnly: boolean;
    readonly currentValue: string;
    readonly default: string;
    readonly availableValues: readonly string[];
}

/** `GET /properties`: each property's current value. */
export function propertiesView(reading: PropertiesReading): { properties: { defaultRegion: string } } {
    return { properties: { defaultRegion: reading.defaultRegion } };
}

/** `GET /properties/schema` and the answer to `PATCH /properties`: each property described, with its current value. */
export function schemaView(reading: PropertiesReading): { properties: { defaultRegion: PropertySchemaView } } {
    return {
        properties: {
            defaultRegion: {
                description: DEFAULT_REGION_DESCRIPTION,
                type: "string",
                readOnly: false,
                currentValue: reading.defaultRegion,
                default: SCHEMA_DEFAULT_REGION,
                availableValues: [...reading.availableRegions],
            },
        },
    };
}
