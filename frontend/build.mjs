// Builds the static files bordercase serves from what npm installed: our stylesheet compiled
// from GOV.UK Frontend's Sass, and GOV.UK Frontend's script. Output is not committed.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "src", "bordercase", "web", "static", "bordercase", "build");
mkdirSync(out, { recursive: true });

const css = sass.compile(join(root, "frontend", "app.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  quietDeps: true,
});
writeFileSync(join(out, "app.css"), css.css);

// The bundle ends by naming its source map. Production's manifest storage follows that name and refuses to start
// when the file is missing, so the map is copied beside the script and the comment renamed to match.
const govukDist = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
const mapComment = "//# sourceMappingURL=all.bundle.js.map";
const script = readFileSync(join(govukDist, "all.bundle.js"), "utf8");
if (!script.trimEnd().endsWith(mapComment)) {
  throw new Error(`govuk-frontend's all.bundle.js no longer ends with "${mapComment}": check how it names its map.`);
}
writeFileSync(join(out, "govuk-frontend.js"),
  script.trimEnd().slice(0, -mapComment.length) + "//# sourceMappingURL=govuk-frontend.js.map\n");
copyFileSync(join(govukDist, "all.bundle.js.map"), join(out, "govuk-frontend.js.map"));
console.log(`Built ${out}: app.css (${css.css.length.toLocaleString()} bytes), govuk-frontend.js and its map`);
