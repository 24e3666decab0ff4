import type { ApiClient } from '../client.js';

/** An ApiClient that records requests and answers every one with `answer`. */
export function fakeClient(answer: unknown) {
  const requests: { method: string; path: string; body?: unknown }[] = [];
  const client: ApiClient = {
    get: async <T>(path: string) => (requests.push({ method: 'GET', path }), answer as T),
    put: async <T>(path: string, body: string) => (requests.push({ method: 'PUT', path, body }), answer as T),
    post: async <T>(path: string, body: unknown) => (
      requests.push({ method: 'POST', path, body }),
      answer as T
    ),
    postText: async <T>(path: string, body: string) => (
      requests.push({ method: 'POST', path, body }),
      answer as T
    ),
    delete: async <T>(path: string) => (requests.push({ method: 'DELETE', path }), answer as T),
  };
  return { client, requests };
}
