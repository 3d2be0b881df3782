// One stack per test file, shared by its tests, with the people they act as already logged in;
// closed after the last test. `extra` adds what else the file's tests share (extra accounts, ids).
import anyTest, { type TestFn } from 'ava';
import { startStack } from './stack';
import { loginAs, type Client } from './http';

export type Stack = Awaited<ReturnType<typeof startStack>>;
export type Shared<People extends string, Extra = unknown> = { stack: Stack } & Record<People, Client> & Extra;

export function sharedStack<People extends string, Extra = unknown>(
  people: Record<People, string>,
  extra?: (stack: Stack) => Promise<Extra>,
): TestFn<Shared<People, Extra>> {
  const test = anyTest as TestFn<Shared<People, Extra>>;
  test.before(async (t) => {
    const stack = await startStack();
    const logged = await Promise.all(Object.entries<string>(people).map(async ([name, usuario]) => [name, await loginAs(stack.base, usuario)] as const));
    t.context = { stack, ...Object.fromEntries(logged), ...(await extra?.(stack)) } as Shared<People, Extra>;
  });
  test.after.always(async (t) => {
    await t.context.stack?.close();
  });
  return test;
}
