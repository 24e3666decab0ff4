/** Where the built UI lives: what the controller serves at `/` (empty until `npm run build`). */
export declare const webRoot: string;
