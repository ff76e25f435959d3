/**
 * A browser bundle of one TypeScript entry file (its imports, graphql-ws's browser client
 * included), built in memory with esbuild the first time it is asked for and kept for the life of
 * the server, so a server whose page nobody opens never builds it. For development: production runs
 * the bundles `npm run build` made (scripts/buildWeb.ts), and its install has no esbuild.
 */
export class LazyBundle {
  private built: Promise<string> | undefined;

  constructor(
    private readonly entryPoint: string,
    /** `define`: identifiers the page's code reads as constants, e.g. whether to ask for development tokens. */
    private readonly options: { production: boolean; define?: Record<string, string> },
  ) {}

  /** The bundle's JavaScript. A failed build (its messages in the error) is not kept: the next call builds again. */
  javascript(): Promise<string> {
    this.built ??= this.build().catch((error: unknown) => {
      this.built = undefined;
      throw error;
    });
    return this.built;
  }

  private build(): Promise<string> {
    return bundle(this.entryPoint, this.options);
  }
}

/** Bundles `entryPoint` for the browser, minified for production, with a source map otherwise. */
export async function bundle(entryPoint: string, options: { production: boolean; define?: Record<string, string> }): Promise<string> {
  // Loaded only when a bundle is built: a production install (`npm ci --omit=dev`) has no esbuild.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [entryPoint],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: options.production,
    // Readable stack traces in the browser's tools while developing; nothing extra in production.
    sourcemap: options.production ? false : 'inline',
    legalComments: 'none',
    define: options.define,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`esbuild wrote nothing for ${entryPoint}`);
  return output.text;
}
