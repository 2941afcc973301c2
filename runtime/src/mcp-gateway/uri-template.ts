/**
 * Whether `uri` is one of the URIs an RFC 6570 template describes, enough to
 * route a `resources/read` to the backend whose template it is: literal
 * parts must match, each `{expression}` matches one or more characters (a
 * `{+x}`/`{#x}` reserved expansion may contain "/", a simple one may not).
 */
export function matchesTemplate(template: string, uri: string): boolean {
  let pattern = "^";
  let last = 0;
  for (const match of template.matchAll(/\{([^}]*)\}/g)) {
    pattern += escape(template.slice(last, match.index));
    const operator = match[1]?.[0];
    pattern += operator === "+" || operator === "#" || operator === "/" ? ".+" : "[^/]+";
    last = match.index + match[0].length;
  }
  pattern += `${escape(template.slice(last))}$`;
  return new RegExp(pattern).test(uri);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
