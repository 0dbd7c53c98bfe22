/**
 * The options of the secrets room.
 */

/** Whether a PUT with an image-pull body may update an existing image-pull set. */
export type ImagePullUpdates = "refuse" | "accept";
