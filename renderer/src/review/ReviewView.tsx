// Review: video review is not built yet. Say plainly what will come; offer no controls that do nothing.
import { useNavigate } from '../app/navigation';
import { Button } from '../ui/Button';

export function ReviewView() {
  const navigate = useNavigate();
  return (
    <div className="page review-page">
      <header className="page-header">
        <h1>Review</h1>
      </header>
      <div className="card placeholder" data-testid="review-placeholder">
        <h2>Video review is coming in a later version</h2>
        <p>This is where a recorded surgery will be reviewed:</p>
        <ul>
          <li>Importing the surgery video into a case (checked before it is accepted).</li>
          <li>Scrubbing and frame-exact stepping, and analysing the frame on screen with the local model.</li>
          <li>Annotation on the frame (box, arrow, freehand, text), phase / instrument / finding tags and notes.</li>
          <li>A phase timeline over the scrub bar, and report export.</li>
        </ul>
        <p>Until then, add still images to a case in the Library and analyse them there.</p>
        <Button variant="primary" onClick={() => navigate('library')}>
          Go to the Library
        </Button>
      </div>
    </div>
  );
}
