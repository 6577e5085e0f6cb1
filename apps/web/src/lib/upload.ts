import { DatasetViewSchema, type DatasetView } from '@potluck/protocol';
import { PotluckApiError } from '@potluck/sdk';

/**
 * Uploads a JSONL file as a dataset's next version with upload progress. `fetch` cannot
 * report upload progress, so this one call uses XMLHttpRequest; it speaks the same route as
 * `client.datasets.upload` of libs/sdk, parses the answer with the same protocol schema and
 * raises the SDK's `PotluckApiError` on failure. The key goes only as a Bearer header to
 * this origin.
 */
export function uploadDatasetVersion(datasetId: string, file: Blob, apiKey: string | null, onProgress: (fraction: number) => void): { done: Promise<DatasetView>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  const done = new Promise<DatasetView>((resolve, reject) => {
    xhr.open('POST', `/api/v1/datasets/${encodeURIComponent(datasetId)}/versions`);
    xhr.setRequestHeader('content-type', 'application/jsonl');
    xhr.setRequestHeader('accept', 'application/json');
    if (apiKey) xhr.setRequestHeader('authorization', `Bearer ${apiKey}`);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve(DatasetViewSchema.parse(JSON.parse(xhr.responseText)));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      } else reject(PotluckApiError.from(xhr.status, xhr.responseText));
    };
    xhr.onerror = () => reject(new TypeError('network error during upload'));
    xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}
