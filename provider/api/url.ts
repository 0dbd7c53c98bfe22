/** Pipecat Cloud's API, when `pipecat:apiUrl` (or PIPECAT_API_URL) names no other: the settings' default, and the advice after a wrong URL. */
export const DEFAULT_API_URL = "https://api.pipecat.daily.co/v1";
