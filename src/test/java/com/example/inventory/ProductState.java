package com.example.inventory;

/** A product as its events made it; {@link #NONE} before it is created. */
public record ProductState(String name, String sku, int stock, boolean discontinued, boolean exists) {

    public static final ProductState NONE = new ProductState(null, null, 0, false, false);
}
