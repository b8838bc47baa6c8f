import { WEEKDAY_LABELS, type OnCallWindow } from '../../api/types';
import { allWeek, windowText } from './supportLogic';
import './support.css';

interface WindowsEditorProps {
  windows: OnCallWindow[];
  onChange(windows: OnCallWindow[]): void;
  error?: string | undefined;
}

/** On-call windows per weekday (organisation time): add, edit, remove. */
export function WindowsEditor({ windows, onChange, error }: WindowsEditorProps) {
  const update = (index: number, change: Partial<OnCallWindow>) =>
    onChange(windows.map((w, i) => (i === index ? { ...w, ...change } : w)));
  return (
    <fieldset className={error ? 'field field--invalid' : 'field'}>
      <legend>On-call windows</legend>
      <p className="field__hint">An end at or before the start runs past midnight; equal start and end is all day.</p>
      <ul className="windows">
        {windows.map((w, index) => (
          <li key={index} className="windows__row">
            <label>
              <span className="visually-hidden">Day of window {index + 1}</span>
              <select value={w.weekday} onChange={(event) => update(index, { weekday: Number(event.target.value) })}>
                {WEEKDAY_LABELS.map((label, day) => (
                  <option key={label} value={day}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
            <label>
              <span className="visually-hidden">Start of window {index + 1}</span>
              <input type="time" value={w.start} onChange={(event) => update(index, { start: event.target.value })} />
            </label>
            <label>
              <span className="visually-hidden">End of window {index + 1}</span>
              <input type="time" value={w.end} onChange={(event) => update(index, { end: event.target.value })} />
            </label>
            <button
              type="button"
              className="button button--secondary"
              onClick={() => onChange(windows.filter((_, i) => i !== index))}
            >
              Remove<span className="visually-hidden"> {windowText(w)}</span>
            </button>
          </li>
        ))}
      </ul>
      {error ? <p className="field__error">{error}</p> : null}
      <div className="form__actions">
        <button
          type="button"
          className="button button--secondary"
          onClick={() => onChange([...windows, { weekday: 0, start: '08:00', end: '16:00' }])}
        >
          Add a window
        </button>
        <button type="button" className="button button--secondary" onClick={() => onChange(allWeek())}>
          Every day, all day
        </button>
      </div>
    </fieldset>
  );
}
