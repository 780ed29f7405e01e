// A JSON file shipped with this code (a symlink to server/clinical/data/, one file read by both sides):
// fetched in the browser (the service worker holds it offline), read from disk where modules are files
// (Node: the JS suite and the differential test).
export async function packagedJson(url) {
  if (url.protocol === 'file:') return JSON.parse(await (await import('node:fs/promises')).readFile(url, 'utf8'));
  const answer = await fetch(url);
  if (!answer.ok) throw new Error(`${url.pathname} could not load (${answer.status})`);
  return answer.json();
}
