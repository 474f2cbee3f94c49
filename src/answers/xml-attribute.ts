const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
  // Escaped so that a parser's attribute-value normalization does not turn them into spaces.
  "\t": "&#9;",
  "\n": "&#10;",
  "\r": "&#13;",
};

/** Characters XML 1.0 allows in a document at all, escaped or not. */
function isXmlChar(codePoint: number): boolean {
  return (
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}

/**
 * Text as the value of a double- or single-quoted XML attribute. Characters no XML document may hold
 * (most control characters, unpaired surrogates) become U+FFFD, so the document always parses.
 */
export function xmlAttribute(text: string): string {
  let escaped = "";
  for (const char of text) {
    escaped += ESCAPES[char] ?? (isXmlChar(char.codePointAt(0) as number) ? char : "\uFFFD");
  }
  return escaped;
}
