/** Stylesheets imported `with { type: "text" }` arrive as their text (Bun inlines them when bundling). */
declare module "*.css" {
  const text: string;
  export default text;
}
