/** What a Pulumi URN says: `urn:pulumi:<stack>::<project>::<parent types$>type::<name>`. */
export interface UrnParts {
  stack: string;
  project: string;
  type: string;
  name: string;
}

export function parseUrn(urn: string): UrnParts | undefined {
  const match = /^urn:pulumi:(.*?)::(.*?)::(.*?)::(.*)$/s.exec(urn);
  if (!match) return undefined;
  const [, stack, project, qualifiedType, name] = match;
  // The type is qualified by its parents' types (`parent$child`): the resource's own is the last.
  const type = qualifiedType.split("$").pop() ?? qualifiedType;
  return { stack, project, type, name };
}
