/**
 * scripts/install-engine.sh: which engine the demo gets (an installed Pulumi from 3.139, else the pinned build), that
 * the tests' engine stays the pinned one, and the progress lines of a build. A stand-in `go` (a few seconds per
 * build, writing a `pulumi` that answers `version`) and stand-in installed Pulumis keep this fast; everything goes to
 * a temporary PULUMI_ENGINE_DIR, never the repository's .pulumi-engine.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../support/engine";
import { runProcess } from "../support/process";

const SCRIPT = path.join(repoRoot, "scripts", "install-engine.sh");
const PINNED =
    /github\.com\/pulumi\/pulumi\/pkg\/v3 (v\S+)/.exec(fs.readFileSync(path.join(repoRoot, "engine", "go.mod"), "utf8"))?.[1] ?? "?";

const FAKE_GO = `#!/bin/sh
case "$1" in
  version) echo "go version go0.0-standin linux/amd64" ;;
  env) echo "$STANDIN_GOMODCACHE" ;;
  mod) : ;;
  build)
    out=""
    while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done
    sleep "$STANDIN_BUILD_SECONDS"
    printf '#!/bin/sh\\necho ${PINNED}\\n' >"$out"
    chmod +x "$out" ;;
esac
`;

describe("scripts/install-engine.sh", function () {
    this.timeout(60_000);
    let dir: string;
    let engineDir: string;

    /** A stand-in installed Pulumi reporting `version`; `withHost`: with pulumi-language-nodejs and the dynamic plugin beside it. */
    function installed(name: string, version: string, withHost = true): string {
        const bin = path.join(dir, name);
        fs.mkdirSync(bin);
        fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\n[ "$1" = version ] && echo ${version}\n`, { mode: 0o755 });
        if (withHost) {
            for (const plugin of ["pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"])
                fs.writeFileSync(path.join(bin, plugin), "#!/bin/sh\n", { mode: 0o755 });
        }
        return fs.realpathSync(bin);
    }

    function install(args: string[], pathDirs: string[]) {
        const env = {
            ...process.env,
            PATH: [...pathDirs, path.join(dir, "go"), process.env.PATH ?? ""].join(path.delimiter),
            PULUMI_ENGINE_DIR: engineDir,
            INSTALL_ENGINE_PROGRESS_SECONDS: "1",
            STANDIN_BUILD_SECONDS: "3",
            STANDIN_GOMODCACHE: path.join(dir, "empty-modcache"),
        };
        return runProcess("bash", [SCRIPT, ...args], { cwd: repoRoot, env, timeoutMs: 50_000 });
    }

    const demoPath = () => fs.readFileSync(path.join(engineDir, "demo-path"), "utf8").trim();

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "install-engine-"));
        engineDir = path.join(dir, "engine");
        fs.mkdirSync(path.join(dir, "go"));
        fs.writeFileSync(path.join(dir, "go", "go"), FAKE_GO, { mode: 0o755 });
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("--demo uses an installed Pulumi from 3.139 with its own language host, and builds nothing", async () => {
        const newer = installed("newer", "v3.250.0");
        const { stdout } = await install(["--demo"], [newer]);
        assert.match(stdout, new RegExp(`the demo uses the installed Pulumi v3\\.250\\.0 from ${newer} \\(nothing to build\\)`));
        assert.equal(demoPath(), newer);
        assert.equal(fs.existsSync(path.join(engineDir, "bin", "pulumi")), false, "nothing was built or linked");
    });

    it("--demo passes over a Pulumi older than 3.139 and one without a language host, and builds the pinned engine, with progress", async () => {
        const old = installed("old", "v3.138.0");
        const bare = installed("bare", "v3.260.0", false);
        const { stdout } = await install(["--demo"], [old, bare]);
        assert.equal(demoPath(), path.join(engineDir, "bin"));
        assert.match(stdout, /from Go modules, once: a first build takes 5-6 min on 2 idle cores, 20-30 min on a busy 2-core machine/);
        assert.match(stdout, /with Pulumi 3\.139\.0 or newer installed, the demo uses it and builds nothing/);
        const progress = stdout
            .split("\n")
            .filter((l) =>
                /^install-engine: {3}\.\.\. compiling the pulumi CLI: 0m0\ds so far \(whole install 0m\d\ds; a first build takes/.test(l),
            );
        assert.ok(progress.length >= 2, `progress lines while building the CLI:\n${stdout}`);
        assert.match(stdout, new RegExp(`built Pulumi ${PINNED.replace(/\./g, "\\.")} into ${engineDir}/bin`));
    });

    it("without --demo keeps to the pinned version: an installed 3.250 is not used, and no demo-path is written", async () => {
        const newer = installed("newer", "v3.250.0");
        const { stdout } = await install([], [newer]);
        assert.doesNotMatch(stdout, /installed Pulumi v3\.250/);
        assert.match(stdout, /built Pulumi .* into /);
        assert.doesNotMatch(stdout, /the demo uses it/);
        assert.equal(fs.existsSync(path.join(engineDir, "demo-path")), false);
    });
});
