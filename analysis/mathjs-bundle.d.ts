// mathjs ships no types for its one-file bundle; it is the same API as the package's main entry.
declare module "mathjs/lib/browser/math.js" {
  const math: typeof import("mathjs");
  export default math;
}
