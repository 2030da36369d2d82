/** An error whose message already tells the user what to do; it is printed as it is. */
export class ActionableError extends Error {}
