// What a drop onto the videos panel names: file managers send each file as a file:// URI (text/uri-list); a
// browser never reveals the path of a dropped File itself.

const isPath = (t: string) => t.startsWith('/') || t.startsWith('~') || /^[A-Za-z]:[\\/]/.test(t);

/** One path per line; blank lines ignored. */
export const splitPaths = (text: string): string[] =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);

/** The local paths in a drop, in order: file:// URIs (text/uri-list), else absolute paths one per line. */
export function pathsFromDrop(uriList: string, text: string): string[] {
  const fromUris = splitPaths(uriList)
    .filter((l) => l.startsWith('file://'))
    .flatMap((uri) => {
      try {
        const p = decodeURIComponent(new URL(uri).pathname);
        return [/^\/[A-Za-z]:\//.test(p) ? p.slice(1) : p];
      } catch {
        return [];
      }
    });
  return fromUris.length > 0 ? fromUris : splitPaths(text).filter(isPath);
}

/** A local path from a drop: the first file:// URI (file managers send text/uri-list) or a plain absolute path. */
export function pathFromDrop(uriList: string, text: string): string | null {
  return pathsFromDrop(uriList, text)[0] ?? null;
}
