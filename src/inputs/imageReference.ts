// Docker's reference grammar, as inputs that name an image accept it: a lower-case repository with
// an optional registry[:port], tag and digest (an image id passes as a repository or sha256:<hex>).
const IMAGE_REFERENCE =
  /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[0-9a-f]{64})?$/;

export function isImageReference(s: string): boolean {
  return IMAGE_REFERENCE.test(s);
}
