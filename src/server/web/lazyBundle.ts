import { build } from 'esbuild';

/**
 * A browser bundle of one TypeScript entry file (its imports, graphql-ws's browser client
 * included), built in memory with esbuild the first time it is asked for and kept for the life of
 * the server, so a server whose page nobody opens never builds it.
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

  private async build(): Promise<string> {
    const result = await build({
      entryPoints: [this.entryPoint],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: this.options.production,
      // Readable stack traces in the browser's tools while developing; nothing extra in production.
      sourcemap: this.options.production ? false : 'inline',
      legalComments: 'none',
      define: this.options.define,
      logLevel: 'silent',
    });
    const output = result.outputFiles[0];
    if (!output) throw new Error(`esbuild wrote nothing for ${this.entryPoint}`);
    return output.text;
  }
}
