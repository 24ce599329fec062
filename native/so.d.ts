// bun build embeds files imported with { type: "file" }; the import is their path.
declare module "*.so" {
  const path: string;
  export default path;
}
