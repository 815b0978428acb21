// A column of a changed table as the change record names it: its name and Postgres type. A leaf,
// so ports.ts can name it without importing the matcher.
export interface Column {
  name: string;
  type: string;
}
