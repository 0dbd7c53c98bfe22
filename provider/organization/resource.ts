/**
 * `OrganizationSettings`: the Pipecat Cloud organisation's settings, today its default region (where secret sets,
 * agents and builds declared without a `region` are created). One per program; removing it changes nothing in
 * Pipecat Cloud.
 */
import * as pulumi from "@pulumi/pulumi";
import { PipecatError } from "../errors";
import type { Region } from "../region";
import { organizationSettingsProvider } from "./provider";

/** Arguments of OrganizationSettings. */
export interface OrganizationSettingsArgs {
    /**
     * The organisation's default region: where secret sets, agents and builds declared without a `region` are created.
     * Checked in the preview against the regions the organisation may use (when an API key is set). A change is an
     * update (`PATCH /properties`); resources that exist stay where they are.
     */
    readonly defaultRegion: pulumi.Input<Region>;
}

/**
 * The settings of the Pipecat Cloud organisation the API key belongs to. `pulumi up` writes the declared default
 * region, `pulumi refresh` reads it back (a change made in the dashboard shows as drift), and `pulumi destroy` (or
 * removing the resource) leaves the organisation's setting as it is and says so.
 *
 * Declare it once per program (a second one fails the preview). Sets, agents and builds declared without a region
 * land in the default region in force when they are created: give them `dependsOn: [settings]` so that a first
 * `pulumi up` writes the setting before creating them.
 *
 * ```ts
 * const settings = new OrganizationSettings("org", { defaultRegion: "eu-central" });
 * const secrets = new SecretSet("agent", { secrets: { OPENAI_API_KEY: key } }, { dependsOn: [settings] });
 * ```
 */
export class OrganizationSettings extends pulumi.dynamic.Resource {
    /** The organisation's default region as Pipecat Cloud reports it: the declared one after `up`, the actual one after a refresh. */
    declare public readonly defaultRegion: pulumi.Output<string>;
    /** The region codes the default region may take, as Pipecat Cloud lists them (`availableValues` of its properties schema). */
    declare public readonly availableRegions: pulumi.Output<string[]>;

    /**
     * Declares the organisation's settings, managed by this program: `pulumi up` writes them (`PATCH /properties`).
     * The `import` option is refused (there is nothing to import: the settings always exist, and `up` takes them over).
     * @param name The Pulumi resource name (unique in the stack).
     * @param args The settings: `defaultRegion`.
     * @param opts Resource options. The resource adds `ignoreChanges: ["__provider"]` to those given.
     */
    constructor(name: string, args: OrganizationSettingsArgs, opts?: pulumi.CustomResourceOptions) {
        if (opts?.import !== undefined) {
            throw new PipecatError(
                `OrganizationSettings ${JSON.stringify(name)}: the \`import\` resource option is not needed, and cannot work for a dynamic provider ` +
                    "(pulumi/pulumi#3550): an organisation's settings always exist, and `pulumi up` takes them over with the declared values. Remove the `import` option.",
            );
        }
        const type = "pulumi-nodejs:dynamic/pipecat:OrganizationSettings";
        const props = {
            defaultRegion: args.defaultRegion,
            // The provider refuses a second OrganizationSettings of the program by it (check sees no URN of its own).
            resourceUrn: pulumi.createUrn(name, type, opts?.parent),
            availableRegions: undefined,
        };
        super(
            organizationSettingsProvider,
            name,
            props,
            { ...opts, ignoreChanges: [...(opts?.ignoreChanges ?? []), "__provider"] },
            "pipecat",
            "OrganizationSettings",
        );
    }
}
