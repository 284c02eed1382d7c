// video.js without its HLS/DASH engine (VHS): the review plays local MP4/WebM files, nothing streamed.
declare module 'video.js/core.es.js' {
  import videojs from 'video.js';
  export default videojs;
}
