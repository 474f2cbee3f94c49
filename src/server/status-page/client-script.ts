/**
 * The status page's script, sent as it is (no build step): plain browser JavaScript. It speaks the
 * graphql-transport-ws protocol itself (connection_init with the key, subscribe, next, ping/pong): a few lines
 * instead of shipping a client library, and the protocol is the one the gateway's WebSocket serves. Any change
 * announced re-reads the board and the inbox, so an approval that stopped waiting disappears too.
 */
export const STATUS_SCRIPT = String.raw`
const body = document.body;
const GRAPHQL = body.dataset.graphqlPath;
const KEY_ITEM = "circleci-gateway-key";
const notice = document.getElementById("notice");
const keyInput = document.getElementById("key");
const boardBody = document.querySelector("#board tbody");
const approvalsList = document.getElementById("approvals");
const noApprovals = document.getElementById("no-approvals");

const VIEW = "{ statusBoard { projectSlug branch workflowName latest { id status pipelineNumber createdAt } lastFinished { status stoppedAt } failingSince } " +
  "pendingApprovals { waitingSince job { id name } workflow { id name } pipeline { number projectSlug } } }";
const APPROVE = "mutation Approve($workflowId: ID!, $jobId: ID!) { approveJob(workflowId: $workflowId, jobId: $jobId) { id status } }";

const key = () => sessionStorage.getItem(KEY_ITEM) || "";

function say(text, isError) {
  notice.textContent = text;
  notice.className = isError ? "error" : "";
}

async function request(query, variables) {
  const headers = { "content-type": "application/json", accept: "application/json" };
  if (key() !== "") headers.authorization = "Bearer " + key();
  const response = await fetch(GRAPHQL, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  let answer;
  try { answer = await response.json(); } catch { answer = { errors: [{ message: "HTTP " + response.status }] }; }
  if (response.status === 401) throw new Error("This gateway needs an API key: enter one above.");
  if (answer.errors && answer.errors.length > 0) throw new Error(answer.errors.map((error) => error.message).join("; "));
  return answer.data;
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function badge(status) {
  const span = document.createElement("span");
  span.className = "status status-" + status;
  span.textContent = status.replace("_", " ").toLowerCase();
  return span;
}

function ago(iso) {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 90) return seconds + " s";
  if (seconds < 5400) return Math.round(seconds / 60) + " min";
  if (seconds < 172800) return Math.round(seconds / 3600) + " h";
  return Math.round(seconds / 86400) + " days";
}

function renderBoard(entries) {
  boardBody.replaceChildren(...entries.map((entry) => {
    const row = document.createElement("tr");
    row.dataset.project = entry.projectSlug;
    row.dataset.workflow = entry.workflowName;
    row.dataset.status = entry.latest.status;
    cell(row, entry.projectSlug);
    cell(row, entry.branch);
    cell(row, entry.workflowName);
    const latest = cell(row, "");
    latest.append(badge(entry.latest.status), " #" + entry.latest.pipelineNumber);
    const finished = cell(row, "", "optional");
    if (entry.lastFinished) finished.append(badge(entry.lastFinished.status)); else finished.textContent = "none yet";
    cell(row, entry.failingSince ? ago(entry.failingSince) + " ago" : "", "optional");
    return row;
  }));
}

function renderApprovals(approvals) {
  noApprovals.hidden = approvals.length > 0;
  approvalsList.replaceChildren(...approvals.map((approval) => {
    const item = document.createElement("li");
    item.dataset.job = approval.job.id;
    const text = document.createElement("div");
    const title = document.createElement("strong");
    title.textContent = approval.job.name;
    const where = document.createElement("div");
    where.className = "muted";
    where.textContent = approval.pipeline.projectSlug + " · " + approval.workflow.name + " · pipeline #" + approval.pipeline.number;
    const waiting = document.createElement("div");
    waiting.className = "muted waiting";
    waiting.dataset.since = approval.waitingSince;
    waiting.textContent = "waiting " + ago(approval.waitingSince);
    text.append(title, where, waiting);
    item.append(text);
    if (key() !== "") {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "Approve";
      button.setAttribute("aria-label", "Approve " + approval.job.name + " of " + approval.pipeline.projectSlug + " pipeline #" + approval.pipeline.number);
      button.addEventListener("click", () => approve(approval, button));
      item.append(button);
    }
    return item;
  }));
}

async function approve(approval, button) {
  button.disabled = true;
  try {
    await request(APPROVE, { workflowId: approval.workflow.id, jobId: approval.job.id });
    say("Approved " + approval.job.name + ".");
    await refresh();
  } catch (error) {
    say("Could not approve " + approval.job.name + ": " + error.message, true);
    button.disabled = false;
  }
}

let refreshing = Promise.resolve();
function refresh() {
  refreshing = refreshing.then(async () => {
    try {
      const data = await request(VIEW, {});
      renderBoard(data.statusBoard);
      renderApprovals(data.pendingApprovals);
      body.dataset.updatedAt = String(Date.now());
      if (notice.className === "error") say("");
    } catch (error) {
      say(error.message, true);
    }
  });
  return refreshing;
}

let refreshTimer;
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, 150);
}

let socket;
function listen() {
  if (socket) socket.close();
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + GRAPHQL;
  const opened = new WebSocket(url, "graphql-transport-ws");
  socket = opened;
  opened.onopen = () => opened.send(JSON.stringify({ type: "connection_init", payload: key() === "" ? {} : { Authorization: "Bearer " + key() } }));
  opened.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "connection_ack") {
      opened.send(JSON.stringify({ id: "board", type: "subscribe", payload: { query: "subscription { boardChanged { projectSlug } }" } }));
      opened.send(JSON.stringify({ id: "approvals", type: "subscribe", payload: { query: "subscription { approvalRequested { job { id } } }" } }));
      body.dataset.live = "true";
    } else if (message.type === "next") {
      refreshSoon();
    } else if (message.type === "ping") {
      opened.send(JSON.stringify({ type: "pong" }));
    }
  };
  opened.onclose = () => {
    body.dataset.live = "false";
    if (socket === opened) setTimeout(() => { if (socket === opened) { listen(); refresh(); } }, 2000);
  };
}

document.getElementById("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY_ITEM, keyInput.value.trim());
  keyInput.value = "";
  say(key() === "" ? "No key." : "Key set for this tab.");
  listen();
  refresh();
});
document.getElementById("forget-key").addEventListener("click", () => {
  sessionStorage.removeItem(KEY_ITEM);
  say("Key forgotten.");
  listen();
  refresh();
});
setInterval(() => {
  for (const waiting of document.querySelectorAll(".waiting")) waiting.textContent = "waiting " + ago(waiting.dataset.since);
}, 10000);

listen();
refresh();
`;
