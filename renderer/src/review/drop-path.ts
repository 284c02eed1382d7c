// What a drop onto the videos panel names: file managers send the file as a file:// URI (text/uri-list); a
// browser never reveals the path of a dropped File itself.

/** A local path from a drop: a file:// URI (file managers send text/uri-list) or a plain absolute path. */
export function pathFromDrop(uriList: string, text: string): string | null {
  const uri = uriList
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l && !l.startsWith('#'));
  if (uri?.startsWith('file://')) {
    try {
      const u = new URL(uri);
      const p = decodeURIComponent(u.pathname);
      return /^\/[A-Za-z]:\//.test(p) ? p.slice(1) : p;
    } catch {
      return null;
    }
  }
  const t = text.trim();
  return t.startsWith('/') || t.startsWith('~') || /^[A-Za-z]:[\\/]/.test(t) ? t : null;
}
