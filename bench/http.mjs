// One JSON request to an MWS node (loopback), for the bench scripts: its status and parsed body.
export async function jsonCall(base, method, path, auth, body) {
  const response = await fetch(base + path, {
    method, headers: { authorization: auth, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}
