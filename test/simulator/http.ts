import { request } from "undici";
import type { Dispatcher } from "undici";

export interface Answer {
  status: number;
  headers: Dispatcher.ResponseData["headers"];
  text: string;
  json<T = unknown>(): T;
}

/** One GET over real HTTP; the body is read whole so the connection is free for the next call. */
export function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return send(url, { headers });
}

/** One POST with a JSON body (none when `body` is undefined), as CircleCI's write endpoints take it. */
export function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  if (body === undefined) return send(url, { method: "POST", headers });
  return send(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

async function send(url: string, options: Parameters<typeof request>[1]): Promise<Answer> {
  const res = await request(url, options);
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
}

interface PageBody<T> {
  items: T[];
  next_page_token?: string | null;
}

/** Follows `next_page_token` to the end, repeating the query, as a correct client does. */
export async function walkPages<T>(
  baseUrl: string,
  query: Record<string, string>,
  headers: Record<string, string>,
): Promise<{ items: T[]; pages: PageBody<T>[] }> {
  const pages: PageBody<T>[] = [];
  let token: string | null | undefined;
  do {
    const params = new URLSearchParams({ ...query, ...(token ? { "page-token": token } : {}) });
    const answer = await get(`${baseUrl}?${params}`, headers);
    if (answer.status !== 200) throw new Error(`page ${pages.length + 1}: ${answer.status} ${answer.text}`);
    const page = answer.json<PageBody<T>>();
    pages.push(page);
    token = page.next_page_token;
  } while (token);
  return { items: pages.flatMap((p) => p.items), pages };
}
