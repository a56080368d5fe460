import type { NextRequest } from 'next/server';
import { passThroughToApi } from '@/lib/api-passthrough';

// Agent bundles, their checksums and Node.js for install.sh; the API validates the name.
export const dynamic = 'force-dynamic';

export async function GET(request: NextRequest, context: { params: Promise<{ file: string }> }): Promise<Response> {
  const { file } = await context.params;
  return passThroughToApi(request, `/downloads/${encodeURIComponent(file)}`);
}
