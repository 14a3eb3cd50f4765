/**
 * Plans and evidence files name sessions of real people: they are regular files readable by their
 * owner only. A path that is not a regular file (`/dev/zero`, a folder, a pipe) is refused before
 * any request, since reading one may never end; a file readable by others is tightened to 0600
 * (or refused when that is not allowed). Messages name the flag and the path, never a raw errno.
 */
import { chmodSync, readFileSync, statSync, type Stats } from "node:fs";
import { dirname } from "node:path";
import { UserInputError } from "../errors";

export const PRIVATE_MODE = 0o600;

function explain(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ENOSPC":
      return "the disk is full";
    case "EFBIG":
      return "the file is too large for this process (file size limit)";
    case "EROFS":
      return "the file system is read-only";
    case "EISDIR":
      return "it is a folder";
    default:
      return code ?? (error as Error).message;
  }
}

/** "no such file", "the disk is full", ... for an fs error. */
export const describeFsError = explain;

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * A file this run will create or append to: refused when it exists and is not a regular file, or
 * when its folder does not exist; tightened to 0600 when it exists and others may read it.
 */
export function preparePrivateFile(flag: string, path: string): { existed: boolean } {
  let stats: Stats | undefined;
  try {
    stats = statOrUndefined(path);
  } catch (error) {
    throw new UserInputError(`${flag}: cannot use ${path}: ${explain(error)}`);
  }
  if (stats === undefined) {
    const folder = statOrUndefined(dirname(path));
    if (!folder?.isDirectory()) throw new UserInputError(`${flag}: cannot create ${path}: the folder ${dirname(path)} does not exist`);
    return { existed: false };
  }
  if (!stats.isFile()) throw new UserInputError(`${flag}: ${path} is not a regular file (a device, folder or pipe); give the path of a file`);
  tighten(flag, path, stats);
  return { existed: true };
}

function tighten(flag: string, path: string, stats: Stats): void {
  if ((stats.mode & 0o077) === 0) return;
  try {
    chmodSync(path, PRIVATE_MODE);
  } catch (error) {
    throw new UserInputError(
      `${flag}: ${path} is readable by others (mode ${(stats.mode & 0o777).toString(8)}) and cannot be made private (${explain(error)}); chmod 600 it or use another file`,
    );
  }
}

/** Reads a regular file the user named, refusing devices and naming the flag when it is missing. */
export function readPrivateFile(flag: string, path: string): string {
  let stats: Stats | undefined;
  try {
    stats = statOrUndefined(path);
  } catch (error) {
    throw new UserInputError(`${flag}: cannot read ${path}: ${explain(error)}`);
  }
  if (stats === undefined) throw new UserInputError(`${flag}: ${path} does not exist`);
  if (!stats.isFile()) throw new UserInputError(`${flag}: ${path} is not a regular file (a device, folder or pipe); give the path of a file`);
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new UserInputError(`${flag}: cannot read ${path}: ${explain(error)}`);
  }
}
