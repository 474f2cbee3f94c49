import type { Locator, Page } from "playwright-core";

/** GraphiQL 4's editors are CodeMirror 5 instances, reachable from their element. */
interface CodeMirrorElement {
  CodeMirror: { setValue(value: string): void; getValue(): string };
}

const EDITORS = {
  query: ".graphiql-query-editor .CodeMirror",
  /** The variables or the headers editor, whichever tab below the query is open. */
  tool: ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror",
  response: ".result-window .CodeMirror",
} as const;

/** GraphiQL as a person uses it: type into the editors, press run, read the response pane, open the docs. */
export class GraphiQLPage {
  constructor(readonly page: Page) {}

  /** Resolves once GraphiQL has rendered; the schema may still be loading. */
  async ready(): Promise<void> {
    await this.page.locator(".graphiql-container").waitFor({ timeout: 20_000 });
  }

  async setQuery(query: string): Promise<void> {
    await this.setEditor("query", query);
  }

  async setVariables(variables: Record<string, unknown>): Promise<void> {
    await this.setToolEditor("Variables", variables);
  }

  /** Types into GraphiQL's own headers editor (the alternative to the page's API key bar). */
  async setHeaders(headers: Record<string, string>): Promise<void> {
    await this.setToolEditor("Headers", headers);
  }

  /** Presses GraphiQL's run button. */
  async run(): Promise<void> {
    await this.page.locator(".graphiql-execute-button").click();
  }

  /** The response pane's text. */
  async responseText(): Promise<string> {
    return this.editor("response").evaluate((element) => (element as unknown as CodeMirrorElement).CodeMirror.getValue());
  }

  /** Polls the response pane until it holds JSON that `accept` takes; fails with the last text after `timeoutMs`. */
  async waitForResponse<T>(accept: (response: T) => boolean, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = await this.responseText();
      const parsed = parseJson<T>(text);
      if (parsed !== undefined && accept(parsed)) return parsed;
      if (Date.now() > deadline) throw new Error(`GraphiQL's response pane did not show the expected answer within ${timeoutMs} ms; it shows:\n${text}`);
      await this.page.waitForTimeout(50);
    }
  }

  /** Opens the documentation explorer from the sidebar and returns its pane. */
  async openDocs(): Promise<Locator> {
    await this.page.getByRole("button", { name: "Show Documentation Explorer" }).click();
    const docs = this.page.locator(".graphiql-doc-explorer");
    await docs.waitFor();
    return docs;
  }

  private async setToolEditor(tab: "Variables" | "Headers", value: Record<string, unknown>): Promise<void> {
    await this.page.getByRole("button", { name: tab, exact: true }).click();
    await this.setEditor("tool", JSON.stringify(value, null, 2));
  }

  private editor(name: keyof typeof EDITORS): Locator {
    return this.page.locator(EDITORS[name]);
  }

  private async setEditor(name: keyof typeof EDITORS, value: string): Promise<void> {
    await this.editor(name).evaluate((element, text) => (element as unknown as CodeMirrorElement).CodeMirror.setValue(text), value);
  }
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
