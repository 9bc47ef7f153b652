/** A person of the demo: the same people enter audiences in Lytics and appear in Connect files. */
export interface DemoUser {
  index: number;
  /** Lytics' profile id (the webhook's top-level `id`). */
  lyticsId: string;
  firstName: string;
  lastName: string;
  email: string;
  riid: string;
  customerId: string;
  mobile: string;
}

const FIRST = [
  "ann",
  "bruno",
  "chloe",
  "dev",
  "elena",
  "farid",
  "grace",
  "hiro",
  "ines",
  "jonas",
  "kemi",
  "liam",
];
const LAST = [
  "lee",
  "martin",
  "nakamura",
  "okafor",
  "perez",
  "quinn",
  "rossi",
  "schmidt",
  "tanaka",
  "ueda",
  "vargas",
];

/** The n-th demo user; stable across runs, so restarts and docs show the same people. */
export function demoUser(index: number): DemoUser {
  const first = FIRST[index % FIRST.length] ?? "ann";
  const last = LAST[Math.floor(index / FIRST.length) % LAST.length] ?? "lee";
  return {
    index,
    lyticsId: String(15761203643149024000n + BigInt(index) * 7919n),
    firstName: capitalise(first),
    lastName: capitalise(last),
    email: `${first}.${last}${index}@example.com`,
    riid: String(100_000_000 + index * 7),
    customerId: `CUST${String(index * 31 + 7).padStart(8, "0")}`,
    mobile: `1555${String(2_000_000 + index).padStart(7, "0")}`,
  };
}

/** Users 0 … count-1. */
export function demoUsers(count: number): DemoUser[] {
  return Array.from({ length: count }, (_, index) => demoUser(index));
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
