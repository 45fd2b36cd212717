export function serverCases(_url: string): void {}
