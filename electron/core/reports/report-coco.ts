// Box annotations in COCO's object-detection format: images/<frame>.png (the stored frames, unchanged) and
// annotations.json with boxes in pixels [x, y, width, height] from the top-left corner, one category per label.
import type { ReviewReportV1, ReportFrame } from '../../api/schemas-reports';
import type { Taxonomy } from '../../api/schemas-review';
import type { FrameImages } from './report-html';
import type { OutputFile } from './atomic-writer';

export interface CocoDataset {
  info: { description: string; version: string; year: number; date_created: string; contributor: string; url: string };
  licenses: { id: number; name: string; url: string }[];
  images: { id: number; file_name: string; width: number; height: number; frame_index: number | null; media_time: number | null; timecode: string }[];
  annotations: { id: number; image_id: number; category_id: number; bbox: [number, number, number, number]; area: number; iscrowd: 0; segmentation: number[][]; attributes: { color: string } }[];
  categories: { id: number; name: string; supercategory: string }[];
}

export const UNLABELLED = 'unlabelled';

export function cocoImageName(f: Pick<ReportFrame, 'id' | 'frameIndex' | 'mime'>): string {
  const ext = f.mime === 'image/jpeg' ? 'jpg' : 'png';
  return f.frameIndex !== null ? `frame-${String(f.frameIndex).padStart(6, '0')}.${ext}` : `still-${f.id}.${ext}`;
}

function supercategory(label: string, taxonomy: Taxonomy | null): string {
  if (!taxonomy) return 'label';
  const find = (list: { id: string; label: string }[]) => list.some((t) => t.id === label || t.label.toLowerCase() === label.toLowerCase());
  if (find(taxonomy.instruments)) return 'instrument';
  if (find(taxonomy.anatomy)) return 'anatomy';
  if (find(taxonomy.findings)) return 'finding';
  if (find(taxonomy.phases)) return 'phase';
  return 'label';
}

export function buildCoco(doc: ReviewReportV1, taxonomy: Taxonomy | null): CocoDataset {
  const categories = new Map<string, { id: number; name: string; supercategory: string }>();
  const category = (label: string | null) => {
    const name = label ?? UNLABELLED;
    let c = categories.get(name);
    if (!c) {
      c = { id: categories.size + 1, name, supercategory: label === null ? 'none' : supercategory(label, taxonomy) };
      categories.set(name, c);
    }
    return c.id;
  };
  const images: CocoDataset['images'] = [];
  const annotations: CocoDataset['annotations'] = [];
  for (const f of doc.frames) {
    const boxes = f.annotations.filter((a) => a.kind === 'box');
    images.push({ id: f.id, file_name: cocoImageName(f), width: f.width, height: f.height, frame_index: f.frameIndex, media_time: f.mediaTime, timecode: f.timecode });
    for (const a of boxes) {
      const [x, y, w, h] = a.pixelBox;
      annotations.push({
        id: a.id,
        image_id: f.id,
        category_id: category(a.label),
        bbox: [x, y, w, h],
        area: Math.round(w * h * 100) / 100,
        iscrowd: 0,
        segmentation: [[x, y, x + w, y, x + w, y + h, x, y + h]],
        attributes: { color: a.color },
      });
    }
  }
  const created = new Date(doc.generatedAt);
  return {
    info: {
      description: `Box annotations of review ${doc.review.id} (case ${doc.case.code}); images are the stored frames, unchanged. Image files are under images/.`,
      version: `${doc.format} v${doc.version}`,
      year: created.getUTCFullYear(),
      date_created: doc.generatedAt,
      contributor: doc.generator.name,
      url: '',
    },
    licenses: [],
    images,
    annotations,
    categories: [...categories.values()],
  };
}

/** The COCO export as files under `dir/`: annotations.json and images/…. */
export function cocoFiles(dir: string, doc: ReviewReportV1, images: FrameImages, taxonomy: Taxonomy | null): OutputFile[] {
  const dataset = buildCoco(doc, taxonomy);
  const files: OutputFile[] = [{ path: `${dir}/annotations.json`, data: `${JSON.stringify(dataset, null, 2)}\n` }];
  for (const f of doc.frames) {
    const img = images.get(f.sha256);
    if (img) files.push({ path: `${dir}/images/${cocoImageName(f)}`, data: img.data });
  }
  return files;
}
