// TikTok Shop product links in a message (or in the reply being written) as product cards: name, SKUs and the
// link, from the synced catalog. The same links the server records for order attribution
// (worker/automations/shop-links.ts): https://shop.tiktok.com/view/product/<id>, also on www.tiktok.com.
import { useEffect, useState } from 'preact/hooks';
import { type ApiData, api, call } from '../api';
import '../inbox/automation.css';

type Product = ApiData<typeof api.automations.products.$get>[number];

const SHOP_LINK = /https?:\/\/(?:shop|www)\.tiktok\.com\/view\/product\/([A-Za-z0-9_-]{1,128})(?![A-Za-z0-9_-])/g;

/** The product ids linked in a text, in order, each once. */
export function shopLinkIds(text: string | null | undefined): string[] {
  return text ? [...new Set([...text.matchAll(SHOP_LINK)].map((m) => m[1]!))] : [];
}

const CATALOG_FRESH_MS = 60_000;
let catalog: { at: number; products: Promise<Product[]> } | null = null;

/** The catalog, fetched once a minute at most however many messages carry links; a failed fetch is not kept. */
function loadCatalog(now = Date.now()): Promise<Product[]> {
  if (catalog && now - catalog.at < CATALOG_FRESH_MS) return catalog.products;
  const products = call(api.automations.products.$get());
  catalog = { at: now, products };
  products.catch(() => {
    if (catalog?.products === products) catalog = null;
  });
  return products;
}

function useCatalog(needed: boolean) {
  const [state, setState] = useState<{ products?: Product[]; failed?: boolean }>({});
  useEffect(() => {
    if (!needed) return;
    let live = true;
    loadCatalog().then(
      (products) => live && setState({ products }),
      () => live && setState({ failed: true }),
    );
    return () => {
      live = false;
    };
  }, [needed]);
  return state;
}

function ProductCard({ id, product, loading }: { id: string; product?: Product; loading: boolean }) {
  const url = product?.url ?? `https://shop.tiktok.com/view/product/${encodeURIComponent(id)}`;
  return (
    <article class="product-card" aria-label={`Product: ${product?.name ?? id}`}>
      <span class="product-name">
        {product ? product.name : loading ? 'Loading product…' : `TikTok Shop product ${id}`}
      </span>
      {product && product.skus.length > 0 && <span class="muted small">SKUs: {product.skus.join(', ')}</span>}
      {!product && !loading && <span class="muted small">Not in the synced catalog.</span>}
      <a href={url} target="_blank" rel="noopener noreferrer">
        Open in TikTok Shop
      </a>
    </article>
  );
}

/** A card per product linked in `text`; nothing when it links none. */
export function ProductCards({ text, label }: { text: string | null | undefined; label?: string }) {
  const ids = shopLinkIds(text);
  const { products, failed } = useCatalog(ids.length > 0);
  if (!ids.length) return null;
  const cards = ids.map((id) => (
    <ProductCard key={id} id={id} product={products?.find((p) => p.productId === id)} loading={!products && !failed} />
  ));
  return (
    <section aria-label={label ?? 'Linked products'} class="product-cards">
      {cards}
    </section>
  );
}
