export default async function globalTeardown() {
  await globalThis.__countersignTestPostgres?.stop();
}
