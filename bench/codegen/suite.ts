/**
 * Suite 4: code generation. buf generate on a synthetic schema with only
 * protoc-gen-kled, against buf generate with only protoc-gen-es, in paired
 * rounds. The schema is compiled once into a buf image that both read, so
 * that the comparison is of the plugins, not of buf's compiler run twice.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { alternate } from "../support/alternate.js";
import { costRow } from "../support/rows.js";
import type { Suite } from "../support/suite.js";
import { ensureBuilt, PLUGIN_PACKAGE } from "../support/workspace-build.js";
import { buf } from "./buf.js";
import { writeSynthProtos } from "./synth-protos.js";

/** A buf.gen.yaml with one local plugin, the project's options, output to `out`. */
function template(plugin: string): string {
  return `version: v2\nplugins:\n  - local: ${plugin}\n    out: out\n    opt: [target=ts, import_extension=js]\n`;
}

export const codegenSuite: Suite = {
  name: "codegen",
  title: "Codegen: buf generate with protoc-gen-kled vs with protoc-gen-es",
  async run(context) {
    await ensureBuilt(PLUGIN_PACKAGE, context.progress);
    const dir = await mkdtemp(join(tmpdir(), "kled-bench-codegen-"));
    try {
      const stats = await writeSynthProtos(join(dir, "protos"));
      await writeFile(join(dir, "es.gen.yaml"), template("protoc-gen-es"));
      await writeFile(join(dir, "kled.gen.yaml"), template("protoc-gen-kled"));
      const compileMs = await buf(["build", "protos", "-o", "image.binpb"], dir);
      context.progress(`codegen: ${stats.services} services, ${stats.messages} messages compiled in ${Math.round(compileMs)} ms`);
      const generate = async (plugin: "es" | "kled") => {
        await rm(join(dir, "out"), { recursive: true, force: true });
        return buf(["generate", "image.binpb", "--template", `${plugin}.gen.yaml`], dir);
      };
      context.progress("codegen: warm-up");
      await generate("kled");
      await generate("es");
      const { rounds } = context.settings;
      const pairs = await alternate(
        rounds,
        () => generate("kled"),
        () => generate("es"),
        (round) => context.progress(`codegen: round ${round}/${rounds}`),
      );
      return {
        rows: [
          costRow(
            `wall time, ${stats.services} services / ${stats.messages} messages / ${stats.files} files`,
            "ms",
            pairs,
            (ms) => ms,
            1.0,
          ),
        ],
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
