/**
 * The data shapes of OrganizationSettings: checked inputs and stored outputs. Kept apart from the schemas and the
 * client so that the public type declarations need neither zod nor axios.
 */

/** Inputs of OrganizationSettings after `check`. */
export interface OrganizationSettingsInputs {
    /** The region where secret sets, agents and builds created without a `region` go. */
    readonly defaultRegion: string;
    /**
     * The resource's URN, set by the resource itself: the provider refuses a second OrganizationSettings of the same
     * program by it. Bookkeeping: a change of it alone (a renamed stack or resource) sends nothing.
     */
    readonly resourceUrn?: string;
}

/** Outputs of OrganizationSettings as stored in state. */
export interface OrganizationSettingsOutputs extends OrganizationSettingsInputs {
    /** The organisation's default region as Pipecat Cloud reports it (after a refresh: as it is now). */
    readonly defaultRegion: string;
    /** The region codes the default region may take (`availableValues` of `GET /properties/schema`). */
    readonly availableRegions: string[];
}
