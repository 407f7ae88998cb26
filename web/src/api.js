// The API client: fetch with problem+json errors turned into ApiError.

import { API, t, state } from './state.js';

export class ApiError extends Error {
  constructor(status, problem, message) {
    super(message);
    this.status = status;
    this.problem = problem; // problem+json body or null
  }
}

export async function api(path, opts = {}) {
  let res;
  // A key entered in "my checks" goes with every request, so that the
  // checks made here are filed under it and its list can be read.
  const auth = state.apiKey ? { Authorization: `Bearer ${state.apiKey}` } : {};
  try {
    res = await fetch(API + path, {
      ...opts,
      headers: { Accept: 'application/json, application/geo+json, application/problem+json', ...auth, ...(opts.headers || {}) },
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, null, t('error.network', { detail: e.message }));
  }
  const type = res.headers.get('Content-Type') || '';
  let body = null;
  if (/json/.test(type)) {
    try {
      body = await res.json();
    } catch {
      body = null;
    }
  }
  if (!res.ok) {
    const detail = (body && (body.detail || body.title)) || t('error.http', { status: res.status });
    throw new ApiError(res.status, body, detail);
  }
  return body;
}

