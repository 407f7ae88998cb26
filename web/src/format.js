// Date formats shared by both languages. Pure functions, no DOM.

/**
 * A time as YYYY-MM-DD HH:MM:SS in the browser's zone: the same in Chinese
 * and English, and like the ISO dates (as_of, valid_from) shown beside it.
 * A value that is not a time is given back as text.
 */
export function isoDateTime(s) {
  const d = s instanceof Date ? s : new Date(s);
  if (Number.isNaN(d.getTime())) return String(s);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
