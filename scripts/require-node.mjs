// npm puts node_modules/.bin first on a script's PATH, so `node` here is the pinned node@24
// package when its install script ran. If it did not, npm silently falls back to the system
// Node, which is too old for wrangler and vitest: fail loudly instead of failing strangely.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `responsys-bridge needs Node >= 22.12, but scripts are running on Node ${process.versions.node}.\n` +
      "The repo pins Node 24 through the `node` devDependency; its install script did not run.\n" +
      "Fix: make sure package.json has allowScripts.node = true, then run `npm ci` (or `npm rebuild node`).",
  );
  process.exit(1);
}
