/** The two kinds of disk ADE encrypts; the tags and the key file differ between them. */
export const OS_TYPES = ['windows', 'linux'] as const
export type OsType = (typeof OS_TYPES)[number]
