/** The TypeScript module text that carries an .lql file as a string constant. */
export function renderLqlModule(lql: string): string {
  const escaped = lql.replaceAll("\\", "\\\\").replaceAll("`", "\\`").replaceAll("${", "\\${");
  return [
    "// Generated from responsys-events.lql by `npm run generate-default-mapping`; do not edit by hand.",
    "// The .lql file is the source of truth; default-mapping.test.ts checks that this copy matches it.",
    `export const RESPONSYS_EVENTS_LQL = \`${escaped}\`;`,
    "",
  ].join("\n");
}
