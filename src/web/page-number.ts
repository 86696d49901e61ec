/** The `?page=` of a listing page: a whole number from 1; anything else shows the first page. */
export function pageNumber(value: unknown): number {
  return typeof value === 'string' && /^\d{1,6}$/.test(value) && Number(value) >= 1 ? Number(value) : 1;
}
