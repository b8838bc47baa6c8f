interface LoadMoreProps {
  hasMore: boolean;
  loading: boolean;
  onLoadMore(): void;
}

export function LoadMore({ hasMore, loading, onLoadMore }: LoadMoreProps) {
  if (!hasMore) return null;
  return (
    <div className="load-more">
      <button type="button" className="button button--secondary" onClick={onLoadMore} disabled={loading}>
        {loading ? 'Loading…' : 'Load more'}
      </button>
    </div>
  );
}
