// Whether the container tests can run here: a container engine that answers Testcontainers (Docker, or
// podman's Docker-compatible API through DOCKER_HOST) and an image of cint-mock named by CINT_MOCK_IMAGE
// in it. When either is missing, the tests are skipped with the reason. scripts/container-check.sh runs them in CI against
// the image it builds.
import { getContainerRuntimeClient, ImageName } from 'testcontainers';

/**
 * The image the container tests start: CINT_MOCK_IMAGE, which must be given. An image that merely
 * exists (cint-mock:latest from another commit, say) would test other code than this checkout's.
 */
export const IMAGE = process.env.CINT_MOCK_IMAGE || 'cint-mock:latest';

// The suites stop their own containers, and Ryuk's image cannot be pulled where there is no registry
// (as on these machines): Testcontainers' reaper is off unless the environment says otherwise.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

/** Why the container tests cannot run here, or undefined when they can. */
export async function containerSkipReason(): Promise<string | undefined> {
  let client;
  try {
    client = await withDeadline(getContainerRuntimeClient(), 30_000);
  } catch (error) {
    return `no container engine answers (${(error as Error).message.split('\n')[0]}); set DOCKER_HOST to a Docker or podman socket to run these tests`;
  }
  if (!process.env.CINT_MOCK_IMAGE) {
    return `a container engine answers, but no image is chosen: build one from this checkout and name it, e.g. docker build -t cint-mock . && CINT_MOCK_IMAGE=cint-mock npm test (scripts/container-check.sh does so)`;
  }
  try {
    if (!(await client.image.exists(ImageName.fromString(IMAGE)))) {
      return `the container engine has no image ${IMAGE}: build it with docker build -t ${IMAGE} . (or set CINT_MOCK_IMAGE)`;
    }
  } catch (error) {
    return `the container engine did not say whether ${IMAGE} exists: ${(error as Error).message}`;
  }
  return undefined;
}

async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}
