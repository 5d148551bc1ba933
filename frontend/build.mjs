// Builds the static files bordercase serves from what npm installed: our stylesheet compiled
// from GOV.UK Frontend's Sass, and GOV.UK Frontend's script. Output is not committed.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
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

const govukDist = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
copyFileSync(join(govukDist, "all.bundle.js"), join(out, "govuk-frontend.js"));
console.log(`Built ${out}: app.css (${css.css.length.toLocaleString()} bytes), govuk-frontend.js`);
