/**
 * The package's public surface is documented for editors: every export of the built entry point
 * (dist/provider/index.d.ts and what it re-exports), every public constructor, static and instance member of an
 * exported class, and every property of an exported interface carries a TSDoc description (a tag alone, such as
 * `@default`, is not one). Read with the TypeScript compiler API from the `.d.ts` files a user's editor reads, so
 * `@internal` members (stripped from them) are not public. Needs `npm run build` first, as pack.spec.ts does; it lives
 * here, beside the other specs of the built package, rather than in test/provider, whose specs run on the sources
 * (the mutation run's sandbox has no dist/).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { DEFAULT_REGIONS } from "../../emulator";

const ENTRY = path.resolve(__dirname, "..", "..", "dist", "provider", "index.d.ts");

/** Whether a declaration has a TSDoc comment with a description. */
function described(node: ts.Node): boolean {
    return ts
        .getJSDocCommentsAndTags(node)
        .some((doc) => ts.isJSDoc(doc) && (ts.getTextOfJSDocComment(doc.comment) ?? "").trim().length > 0);
}

function isPublic(member: ts.ClassElement): boolean {
    const flags = ts.getCombinedModifierFlags(member as ts.Declaration);
    return (
        (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) === 0 &&
        !(member.name !== undefined && ts.isPrivateIdentifier(member.name))
    );
}

/** `Class.member`, `Class.static`, `Class.constructor`, `Interface.property`, or the export's own name. */
export interface Surface {
    readonly name: string;
    readonly documented: boolean;
}

/** Every public member of the package's entry point, and whether it is documented. */
export function publicSurface(program: ts.Program, entry: string = ENTRY): Surface[] {
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(entry);
    assert.ok(source, `${entry} was not read`);
    const module = checker.getSymbolAtLocation(source);
    assert.ok(module, `${entry} is not a module`);
    const out: Surface[] = [];
    for (const exported of checker.getExportsOfModule(module)) {
        const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
        const name = exported.getName();
        for (const decl of symbol.getDeclarations() ?? []) {
            out.push({ name, documented: described(decl) });
            if (ts.isClassDeclaration(decl)) {
                for (const member of decl.members) {
                    if (!isPublic(member) || ts.isIndexSignatureDeclaration(member) || ts.isClassStaticBlockDeclaration(member)) continue;
                    const label = ts.isConstructorDeclaration(member) ? "constructor" : (member.name?.getText() ?? "?");
                    const isStatic = (ts.getCombinedModifierFlags(member as ts.Declaration) & ts.ModifierFlags.Static) !== 0;
                    out.push({ name: `${name}.${isStatic ? "static " : ""}${label}`, documented: described(member) });
                }
            } else if (ts.isInterfaceDeclaration(decl)) {
                for (const member of decl.members)
                    out.push({ name: `${name}.${member.name?.getText() ?? "(call or index signature)"}`, documented: described(member) });
            }
        }
    }
    return out;
}

describe("the package's documentation (dist/provider/index.d.ts)", () => {
    let program: ts.Program;
    before(() => {
        assert.ok(fs.existsSync(ENTRY), `${ENTRY} is missing: run npm run build`);
        program = ts.createProgram([ENTRY], { noEmit: true, skipLibCheck: true, types: [] });
    });

    it("documents every export, every public constructor and member of its classes, and every property of its interfaces", () => {
        const surface = publicSurface(program);
        // The walk reaches what it must: both resources' get and constructors, Args and Outputs properties.
        for (const name of [
            "SecretSet.static get",
            "SecretSet.constructor",
            "SecretSet.keys",
            "Agent.static get",
            "Agent.constructor",
            "AgentArgs.websocketAuth",
            "ImagePullSecretArgs.password",
            "SecretSetOutputs.revision",
            "Region",
        ]) {
            assert.ok(
                surface.some((s) => s.name === name),
                `the walk missed ${name}`,
            );
        }
        const undocumented = surface.filter((s) => !s.documented).map((s) => s.name);
        assert.deepEqual(undocumented, [], `public members without a TSDoc description:\n  ${undocumented.join("\n  ")}`);
    });

    it("types region as the four region codes Pipecat Cloud documents, which the emulator serves, open to other codes", () => {
        const file = program.getSourceFile(path.join(path.dirname(ENTRY), "region.d.ts"));
        assert.ok(file, "region.d.ts was not read");
        const alias = file.statements.find((s): s is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(s) && s.name.text === "Region");
        assert.ok(alias && ts.isUnionTypeNode(alias.type), "Region is not a union");
        const literals = alias.type.types.filter(ts.isLiteralTypeNode).map((t) => (t.literal as ts.StringLiteral).text);
        assert.deepEqual(literals, [...DEFAULT_REGIONS]);
        assert.ok(
            alias.type.types.some((t) => t.getText(file) === "(string & {})"),
            "Region is closed to other codes",
        );
    });
});
